"""flowdocs: Azure network designs resolved into traffic flows, diagrams and documentation."""

__version__ = "0.1.0"
