"""System: the deployment checks behind the admin's System page and `flask --app lms doctor`,
and the admins' alert when a document is refused for a missing font."""
