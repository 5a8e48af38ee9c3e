"""The quiz/exam assessment kind: question banks, quizzes, timed attempts, grading."""
