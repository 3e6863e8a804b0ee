class ActionError(Exception):
    """A rule of the domain refused a change; the message, in the user's language, says why."""
