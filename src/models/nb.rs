use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)] pub struct MultinomialNb;
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)] pub struct ComplementNb;
