//! Cross-validation folds, metrics and report renderers.
