import pytest

from tests import factories


@pytest.fixture
def world(db):
    """A small utility: corporation → company → two teams, grid, routes."""
    return factories.utility()
