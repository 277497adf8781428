"""Background work on the Huey task queue: the queue, the tasks, the schedule and `flask worker`."""
