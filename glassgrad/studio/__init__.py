"""Part IV's studio: a page in your browser that trains a small network live and shows every number.

    glassgrad studio [--port N] [--no-browser]      (or: python -m glassgrad.studio)

Pick a data set, build a network (up to 6 layers of 8 neurons), press play, and watch the decision
boundary, each neuron's picture of the input plane, the weights and the loss move. Pause, and follow one
sample forward, through the loss, backward and into the update, one chain-rule step at a time with its
numbers; open a neuron into its operations; read the same network as glassgrad and as PyTorch code.

Reading order (each file imports only the ones before it):

1. ``config.py``: the choices, the defaults, the limits, and ``validate_config``, which every request's
   configuration passes;
2. ``trainer.py``: the training loop, taken apart into steps (``Run``), and the one thread that trains
   every session (``Worker``);
3. ``sessions.py``: one session per tab, at most eight;
4. ``stepview.py``: one sample in the scalar engine, narrated by ``glassgrad.explain``;
5. ``codegen.py``: the code view, the run written out as a glassgrad and as a PyTorch script;
6. ``app.py``: the routes, the WebSocket stream, the host and origin checks;
7. ``server.py``: binding 127.0.0.1 and running the app (``serve``; ``running`` for a ``with`` block);
8. ``static/``: the page, plain JavaScript modules, SVG and canvas, nothing fetched from the internet.

This package's ``__init__`` imports nothing, so ``import glassgrad.studio`` works without the ``studio``
extra; ``app.py`` and ``server.py`` need it: ``pip install glassgrad[studio]`` (starlette and uvicorn).
The server listens on 127.0.0.1 only: the studio is for the person at this computer.
"""
