//! The app's producers: one per cluster its routes consume from, each built once and shared by
//! every route of its cluster.

use super::Producer;
use crate::config::Cluster;

/// One producer per cluster, the app's own (of `[kafka]`) first.
#[derive(Clone, Debug)]
pub(crate) struct ClusterProducers {
    producers: Vec<(Cluster, Producer)>,
}

impl ClusterProducers {
    /// The app's producer, of the cluster of `[kafka]`.
    pub(crate) fn new(cluster: Cluster, producer: Producer) -> Self {
        Self {
            producers: vec![(cluster, producer)],
        }
    }

    /// Builds the producer of `cluster` with `build`, unless there is one already.
    pub(crate) fn add<E>(
        &mut self,
        cluster: &Cluster,
        build: impl FnOnce() -> Result<Producer, E>,
    ) -> Result<(), E> {
        if !self.producers.iter().any(|(known, _)| known == cluster) {
            self.producers.push((cluster.clone(), build()?));
        }
        Ok(())
    }

    /// The app's producer.
    pub(crate) fn main(&self) -> &Producer {
        &self.producers[0].1
    }

    /// The producer of `cluster`; the app's for a cluster none was built for (the app builds one
    /// for the cluster of every subscription, so that happens only for clusters nothing
    /// consumes from).
    pub(crate) fn of(&self, cluster: &Cluster) -> &Producer {
        self.producers
            .iter()
            .find(|(known, _)| known == cluster)
            .map_or_else(|| self.main(), |(_, producer)| producer)
    }

    /// Every producer, the app's first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Producer> {
        self.producers.iter().map(|(_, producer)| producer)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::KafkaSettings;
    use crate::memory::Cluster as Memory;

    fn cluster(servers: &str) -> Cluster {
        Cluster::of(
            &[("bootstrap.servers", servers)]
                .into_iter()
                .collect::<KafkaSettings>(),
        )
    }

    #[test]
    fn one_producer_per_cluster_built_once() {
        let memory = Arc::new(Memory::new());
        let mut producers =
            ClusterProducers::new(cluster("a:1"), Producer::in_memory(Arc::clone(&memory)));
        let mut built = 0;
        for servers in ["b:1", "a:1", "b:1", " B:1 ", "c:1"] {
            producers
                .add::<()>(&cluster(servers), || {
                    built += 1;
                    Ok(Producer::in_memory(Arc::clone(&memory)))
                })
                .unwrap();
        }
        assert_eq!(built, 2, "b and c, each once");
        assert_eq!(producers.iter().count(), 3);
    }
}
