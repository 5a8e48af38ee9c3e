"""The competency framework: areas, competencies, the proficiency scale and the matrix."""
