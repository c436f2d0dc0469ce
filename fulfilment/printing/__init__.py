"""Printing labels: the platforms' local print components (commands built here, sent by the browser over
WebSocket) and PDF labels with a real barcode for channels without a component."""
