"""Online exams: plans with blueprints, pre-generated papers, the exam room, grading and results."""
