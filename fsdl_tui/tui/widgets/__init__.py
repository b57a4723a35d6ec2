"""The app's widgets. They talk to screens by typed messages and keep view state in reactives."""
