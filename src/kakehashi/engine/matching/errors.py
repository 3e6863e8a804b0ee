"""The one exception the matcher raises."""


class MatchingError(ValueError):
    """A record the matcher cannot use (an unknown occupation code, an unknown id, a bad value).

    The message is Japanese, fit to show a counselor.
    """
