"""kg: a knowledge-graph builder and explorer for Chinese biomedical industry news.

sources -> clean -> extract (pipeline of components) -> resolve -> store -> query / viz
"""
__version__ = "0.1.0"
