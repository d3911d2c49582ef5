//! Constructors of plug-in layers, by kind name, for loading model files.

use std::collections::HashMap;

use dendrite_layers::Layer;

use crate::{Error, Result};

/// The error a plug-in constructor may return.
pub type ConstructorError = Box<dyn std::error::Error + Send + Sync>;

type Constructor = Box<dyn Fn(&[u8]) -> std::result::Result<Box<dyn Layer>, ConstructorError> + Send + Sync>;

/// Plug-in layer constructors by kind name: a constructor receives the configuration bytes the
/// layer's [`Layer::spec`] recorded and returns the layer, whose parameters the loader then
/// fills from the file.
///
/// # Example
/// ```
/// use dendrite_layers::{Layer, Relu};
/// use dendrite_model::LayerRegistry;
/// let mut registry = LayerRegistry::new();
/// registry.register("MyReLU", |_config| Ok(Box::new(Relu::new()) as Box<dyn Layer>));
/// assert!(registry.contains("MyReLU"));
/// ```
#[derive(Default)]
pub struct LayerRegistry {
    constructors: HashMap<String, Constructor>,
}

impl std::fmt::Debug for LayerRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kinds: Vec<&String> = self.constructors.keys().collect();
        kinds.sort();
        f.debug_struct("LayerRegistry").field("kinds", &kinds).finish()
    }
}

impl LayerRegistry {
    /// An empty registry (built-in layers need none).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the constructor of the plug-in kind `kind` (replacing an earlier one).
    pub fn register(
        &mut self,
        kind: impl Into<String>,
        constructor: impl Fn(&[u8]) -> std::result::Result<Box<dyn Layer>, ConstructorError>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.constructors.insert(kind.into(), Box::new(constructor));
        self
    }

    /// Whether `kind` has a constructor.
    #[must_use]
    pub fn contains(&self, kind: &str) -> bool {
        self.constructors.contains_key(kind)
    }

    pub(crate) fn construct(&self, kind: &str, config: &[u8]) -> Result<Box<dyn Layer>> {
        let constructor =
            self.constructors.get(kind).ok_or_else(|| Error::UnregisteredLayer { kind: kind.to_owned() })?;
        constructor(config).map_err(|source| Error::PluginConstruction { kind: kind.to_owned(), source })
    }
}
