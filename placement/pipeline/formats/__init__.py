"""External pipeline formats: VNFCP benchmark folders, OR-Library GAP files, GraphML / GML substrates."""
