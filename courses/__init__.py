"""Courses: catalogue, lessons, enrolment and progress (the training half of each path)."""
