"""The role-play assessment kind: scenarios, rubrics, submissions, grading queue, calibration."""
