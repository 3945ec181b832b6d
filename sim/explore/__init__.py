"""`qunsim explore`: watch a scenario day by day in the browser and turn its knobs.

    from sim.explore import Exploration, Explorer   # the model, without a browser
    from sim.explore import serve                    # the web page (Mesa's SolaraViz)

inputs.py makes the inputs from the parameter schema, explorer.py the Mesa model of all
arms side by side, views.py what the page shows, app.py the page, server.py the server.
"""

from .explorer import Exploration, Explorer
from .server import serve

__all__ = ["Exploration", "Explorer", "serve"]
