"""360-degree evaluations: questionnaires, cycles, nominations, raters, aggregation."""
