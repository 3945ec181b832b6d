import os
os.system('echo this must never run')
class Lever
    pass
