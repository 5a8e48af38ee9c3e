"""People: accounts, roles, teams, authentication and CSV onboarding."""
