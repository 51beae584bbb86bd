// Jobs shared by the UI test cases.

use karafka::async_trait;
use karafka::jobs::{Job, JobContext};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct SendEmail {
    pub to: String,
}

#[async_trait]
impl Job for SendEmail {
    async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> {
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
pub struct ResizeImage {
    pub image_id: u64,
}

#[async_trait]
impl Job for ResizeImage {
    fn key(&self) -> Option<String> {
        Some(self.image_id.to_string())
    }

    async fn perform(&self, _: &mut JobContext<'_>) -> anyhow::Result<()> {
        Ok(())
    }
}
