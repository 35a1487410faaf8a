"""The doors: HTTP routes, web forms, and the loops that follow the bus."""
