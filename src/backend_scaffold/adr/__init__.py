"""Architecture Decision Records: the decision catalogue (data) and the writer."""
