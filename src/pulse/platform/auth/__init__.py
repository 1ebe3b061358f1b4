"""Users, roles and permissions, tokens, and the dependencies that guard every endpoint."""
