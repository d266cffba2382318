"""Settings of the load benchmark's server: gridcare's, with the no-op view's URLs added."""

from gridcare.settings import *  # noqa: F403

ROOT_URLCONF = "portal_load_urls"
