import os

import pytest

from tests.world import World, build_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright inside pytest-django


@pytest.fixture
def world(db: None) -> World:
    return build_world()
