from gridcare.org.services import role_groups_sync


def sync_role_groups(sender, **kwargs) -> None:
    """After migrate, keep the role groups' permissions in line with the code."""
    role_groups_sync()
