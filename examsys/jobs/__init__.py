"""Background jobs on procrastinate: the queue glue (`queue`), the tasks (`tasks`) and `flask jobs ...` (`cli`)."""
