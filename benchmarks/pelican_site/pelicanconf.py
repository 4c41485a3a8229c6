"""Pelican's copy of the benchmark archive: Pelican's defaults (default theme, its default
feeds, no content cache) except for the settings below. See benchmarks/README.md."""
SITENAME = "基准测试档案"
PATH = "content"
DEFAULT_LANG = "zh"
# Unset, Pelican warns and assumes UTC; every real site sets it.
TIMEZONE = "Asia/Shanghai"
# Like this project: every link relative, so the output works from disk.
RELATIVE_URLS = True
# The default transliterates names to ASCII, which merges 山西省 and 陕西省 into one
# category (shan-xi-sheng); keep the Chinese names in file names, as this project does.
SLUGIFY_USE_UNICODE = True
