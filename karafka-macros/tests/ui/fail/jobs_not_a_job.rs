#[derive(serde::Serialize, serde::Deserialize)]
struct NotAJob;

fn main() {
    let _ = karafka::routes! {
        jobs "default" => [NotAJob],
    };
}
