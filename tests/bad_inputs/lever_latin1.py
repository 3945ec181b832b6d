# café
class Lever:
    pass
