"""Deciding together: raters' agreement, uncertainty in the ranking, and a plan within budget.

Above the domain, storage and scoring; below the faces. numpy and scipy are imported here, so nothing on
the app's start-up path imports this package.
"""
