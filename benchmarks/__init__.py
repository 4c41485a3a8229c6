"""Benchmarks: a generated archive of Chinese reports, and a runner that builds it with
this project, Hugo and Pelican side by side. Not tests: run them on purpose."""
