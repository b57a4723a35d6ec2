"""A plugin that declares its fields: good ones of each scope, and bad declarations the host must refuse."""

from fsdl_tui import hookimpl
from fsdl_tui.plugins.fields import PluginField


@hookimpl
def register_fields(settings):
    return [
        PluginField("weeks", "number", "Weeks", "Calendar weeks to a first version.", min=1, max=52),
        PluginField("risk", "choice", "Risk", "How risky.", choices=("low", "high")),
        PluginField("urgent", "bool", "Urgent"),
        PluginField("team_size", "score", "Team size", min=1, max=9),
        PluginField("horizon", "number", "Horizon", "Weeks planned ahead.", min=0, scope="portfolio"),
        PluginField("weeks", "number"),  # declared twice: the second is refused
        PluginField("mood", "colour"),  # an unknown kind
        "not a field",
    ]
