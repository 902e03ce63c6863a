//! Containers: the id derived from a thread's cgroups (docker, containerd, cri-o, podman
//! and Kubernetes pod layouts, as libsinsp's runc matcher does it) and the metadata from
//! container meta-events in capture files (types 324 JSON_2, 272 JSON, 228).

use std::collections::HashMap;
use std::sync::Arc;

use super::thread::{Blist, Bstr};

/// Container metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Container {
    /// 12-char id.
    pub id: String,
    /// Full id.
    pub full_id: String,
    /// Runtime type (0 docker, 6 cri, 7 containerd, 8 cri-o, 11 podman...).
    pub ty: u32,
    /// Name.
    pub name: String,
    /// Image.
    pub image: String,
    /// Image id.
    pub imageid: String,
    /// Image repository.
    pub imagerepo: String,
    /// Image tag.
    pub imagetag: String,
    /// Image digest.
    pub imagedigest: String,
    /// Privileged.
    pub privileged: Option<bool>,
    /// Labels.
    pub labels: Vec<(String, String)>,
    /// Lookup state (0 started, 1 successful, 2 failed).
    pub lookup_state: u32,
    /// Mounts: (source, destination, mode, rw, propagation).
    pub mounts: Vec<(String, String, String, bool, String)>,
    /// Created time (s).
    pub created_time: i64,
    /// Container ip (host order), if any.
    pub ip: Option<u32>,
}

impl Container {
    /// A label value.
    pub fn label(&self, k: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.as_str())
    }
    /// Type name as `container.type` shows it.
    pub fn type_name(&self) -> &'static str {
        match self.ty {
            0 => "docker",
            1 => "lxc",
            2 => "libvirt-lxc",
            3 => "mesos",
            4 => "rkt",
            5 => "custom",
            6 => "cri",
            7 => "containerd",
            8 => "cri-o",
            9 => "bpm",
            10 => "static",
            11 => "podman",
            _ => "unknown",
        }
    }
}

/// Containers by id.
pub type ContainerTable = HashMap<Arc<str>, Container>;

/// Looks a container up by a byte id.
pub trait ContainerLookup {
    /// Finds `id`.
    fn get(&self, id: &[u8]) -> Option<&Container>;
}

impl ContainerLookup for ContainerTable {
    fn get(&self, id: &[u8]) -> Option<&Container> {
        let s = std::str::from_utf8(id).ok()?;
        HashMap::get(self, s)
    }
}

const LAYOUTS: &[(&str, &str)] = &[
    // docker
    ("/", ""),
    ("/docker-", ".scope"),
    // cri (containerd, cri-o; Kubernetes pods live below /kubepods...)
    ("/crio-", ""),
    ("/cri-containerd-", ".scope"),
    ("/crio-", ".scope"),
    (":cri-containerd:", ""),
    // podman
    ("/libpod-", ".scope"),
];

fn match_one(cg: &[u8], prefix: &[u8], suffix: &[u8]) -> Option<Bstr> {
    let start = rfind(cg, prefix)? + prefix.len();
    let end = if suffix.is_empty() {
        cg.len()
    } else {
        rfind(cg, suffix)?
    };
    if end < start || end - start != 64 {
        return None;
    }
    if !cg[start..end].iter().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some(Arc::from(&cg[start..start + 12]))
}

fn rfind(h: &[u8], n: &[u8]) -> Option<usize> {
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len())
        .rev()
        .find(|&i| &h[i..i + n.len()] == n)
}

/// Container id from `subsys=path` cgroup strings; empty for host processes.
pub fn resolve(cgroups: &Blist) -> Bstr {
    for cg in cgroups.iter() {
        let path = match cg.iter().position(|&c| c == b'=') {
            Some(p) => &cg[p + 1..],
            None => &cg[..],
        };
        for (p, s) in LAYOUTS {
            if let Some(id) = match_one(path, p.as_bytes(), s.as_bytes()) {
                return id;
            }
        }
    }
    Arc::from(&b""[..])
}

fn js<'a>(v: &'a serde_json::Value, k: &str) -> Option<&'a str> {
    v.get(k)?.as_str()
}

/// Parses a container JSON meta-event payload. `None` on malformed JSON.
pub fn parse_json(payload: &[u8]) -> Option<Container> {
    let payload = super::evt::cstr(payload);
    let root: serde_json::Value = serde_json::from_slice(payload).ok()?;
    let c = root.get("container")?;
    let mut out = Container {
        id: js(c, "id").unwrap_or("").into(),
        full_id: js(c, "full_id").unwrap_or("").into(),
        ty: c.get("type").and_then(|v| v.as_u64()).unwrap_or(0) as u32,
        name: js(c, "name").unwrap_or("").into(),
        image: js(c, "image").unwrap_or("").into(),
        imageid: js(c, "imageid").unwrap_or("").into(),
        imagerepo: js(c, "imagerepo").unwrap_or("").into(),
        imagetag: js(c, "imagetag").unwrap_or("").into(),
        imagedigest: js(c, "imagedigest").unwrap_or("").into(),
        privileged: c.get("privileged").and_then(|v| v.as_bool()),
        lookup_state: 1,
        created_time: c.get("created_time").and_then(|v| v.as_i64()).unwrap_or(0),
        ..Default::default()
    };
    if let Some(ls) = c.get("lookup_state").and_then(|v| v.as_u64()) {
        out.lookup_state = match ls {
            0 => 2, // STARTED in a file becomes FAILED
            1 | 2 => ls as u32,
            _ => 1,
        };
    }
    if let Some(l) = c.get("labels").and_then(|v| v.as_object()) {
        for (k, v) in l {
            out.labels
                .push((k.clone(), v.as_str().unwrap_or("").to_string()));
        }
        out.labels.sort();
    }
    if let Some(ms) = c.get("Mounts").and_then(|v| v.as_array()) {
        for m in ms {
            out.mounts.push((
                js(m, "Source").unwrap_or("").into(),
                js(m, "Destination").unwrap_or("").into(),
                js(m, "Mode").unwrap_or("").into(),
                m.get("RW").and_then(|v| v.as_bool()).unwrap_or(false),
                js(m, "Propagation").unwrap_or("").into(),
            ));
        }
    }
    if let Some(ip) = js(c, "ip").and_then(|s| s.parse::<std::net::Ipv4Addr>().ok()) {
        out.ip = Some(u32::from(ip));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(cg: &str) -> String {
        let l = super::super::thread::split_list(cg.as_bytes());
        String::from_utf8(resolve(&l).to_vec()).unwrap_or_default()
    }

    #[test]
    fn cgroup_layouts() {
        let h = "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70a";
        assert_eq!(id(&format!("cpu=/docker/{h}\0")), "3f2a1b4c5d6e");
        assert_eq!(
            id(&format!("cpu=/system.slice/docker-{h}.scope\0")),
            "3f2a1b4c5d6e"
        );
        assert_eq!(
            id(&format!("cpu=/kubepods/besteffort/pod1234/{h}\0")),
            "3f2a1b4c5d6e"
        );
        assert_eq!(
            id(&format!(
                "cpu=/kubepods.slice/kubepods-pod1.slice/cri-containerd-{h}.scope\0"
            )),
            "3f2a1b4c5d6e"
        );
        assert_eq!(
            id(&format!("cpu=/kubepods.slice/crio-{h}.scope\0")),
            "3f2a1b4c5d6e"
        );
        assert_eq!(
            id(&format!("cpu=/machine.slice/libpod-{h}.scope\0")),
            "3f2a1b4c5d6e"
        );
        assert_eq!(id("cpu=/user.slice\0memory=/user.slice\0"), "");
        assert_eq!(id(&format!("cpu=/docker/{}\0", &h[..63])), "");
    }

    #[test]
    fn json_event() {
        let j = br#"{"container":{"id":"abcdef123456","type":0,"name":"web","image":"nginx:latest","labels":{"io.kubernetes.pod.namespace":"prod","io.kubernetes.pod.name":"web-1"},"lookup_state":1,"privileged":true}}"#;
        let c = parse_json(j).unwrap();
        assert_eq!(c.name, "web");
        assert_eq!(c.label("io.kubernetes.pod.namespace"), Some("prod"));
        assert_eq!(c.privileged, Some(true));
    }
}
