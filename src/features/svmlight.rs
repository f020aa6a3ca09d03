//! Reads svmlight/libsvm files (as written by scikit-learn) so models can be compared with scikit-learn on identical features.
