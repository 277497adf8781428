"""Run history: run and error rows, history queries and views, `flask sync run`."""
