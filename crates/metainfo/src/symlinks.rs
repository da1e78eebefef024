//! Making sure symlinks point inside the torrent (libtorrent's `sanitize_symlinks`).
//!
//! A link target is relative to the torrent's root directory. It is kept when it names a file or
//! a directory of the torrent, directly, relative to the link's own directory, or through other
//! links of the torrent (each followed at most once). Any other link is changed to point to
//! itself, so it can never lead outside the save path.

use std::collections::{HashMap, HashSet};

use crate::file_storage::{FileFlags, FileStorage};

/// Rewrites invalid symlink targets in `files` to point to the link itself.
pub(crate) fn sanitize_symlinks(files: &mut FileStorage) {
    if !files
        .files
        .iter()
        .any(|f| f.flags.contains(FileFlags::SYMLINK))
    {
        return;
    }
    let internal: Vec<String> = files
        .files
        .iter()
        .map(|f| files.internal_path(f).to_string())
        .collect();
    let file_map: HashMap<&str, usize> = internal
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let mut directories: HashSet<String> = HashSet::new();
    for path in &internal {
        for (position, byte) in path.bytes().enumerate() {
            if byte == b'/' {
                directories.insert(path[..position].to_string());
            }
        }
    }
    // Links that (may) point to directories: link path -> target.
    let mut dir_links: HashMap<String, String> = HashMap::new();
    let mut to_validate = Vec::new();
    let mut new_targets: Vec<(usize, String)> = Vec::new();
    for (index, file) in files.files.iter().enumerate() {
        if !file.flags.contains(FileFlags::SYMLINK) {
            continue;
        }
        let Some(target) = file.symlink.clone() else {
            continue;
        };
        let link_path = &internal[index];
        if target.starts_with('/') {
            new_targets.push((index, link_path.clone()));
            continue;
        }
        if let Some(&other) = file_map.get(target.as_str()) {
            if files.files[other].flags.contains(FileFlags::SYMLINK) {
                dir_links.insert(link_path.clone(), target.clone());
            }
            continue;
        }
        if directories.contains(&target) {
            dir_links.insert(link_path.clone(), target);
            continue;
        }
        // Targets relative to the link's own directory are allowed too.
        if let Some(slash) = link_path.rfind('/') {
            let relative = format!("{}/{}", &link_path[..slash], target);
            if directories.contains(&relative) {
                dir_links.insert(link_path.clone(), relative.clone());
                new_targets.push((index, relative));
                continue;
            }
            if let Some(&other) = file_map.get(relative.as_str()) {
                if files.files[other].flags.contains(FileFlags::SYMLINK) {
                    dir_links.insert(link_path.clone(), relative.clone());
                }
                new_targets.push((index, relative));
                continue;
            }
        }
        dir_links.insert(link_path.clone(), target);
        to_validate.push(index);
    }
    for index in to_validate {
        let Some(target) = files.files[index].symlink.clone() else {
            continue;
        };
        if !resolves(&target, &directories, &dir_links, &file_map) {
            new_targets.push((index, internal[index].clone()));
        }
    }
    for (index, target) in new_targets {
        if let Some(file) = files.files.get_mut(index) {
            file.symlink = Some(target);
        }
    }
}

/// Whether `target` leads to a file or directory of the torrent, following directory links.
fn resolves(
    target: &str,
    directories: &HashSet<String>,
    dir_links: &HashMap<String, String>,
    file_map: &HashMap<&str, usize>,
) -> bool {
    let mut target = target.to_string();
    let mut traversed: HashSet<String> = HashSet::new();
    let mut start = 0usize;
    while let Some(offset) = target[start..].find('/') {
        let end = start + offset;
        let branch = &target[..end];
        if directories.contains(branch) {
            start = end + 1;
            continue;
        }
        let Some(link_target) = dir_links.get(branch) else {
            return false;
        };
        if !traversed.insert(branch.to_string()) {
            return false;
        }
        target = format!("{}/{}", link_target, &target[end + 1..]);
        start = 0;
    }
    file_map.contains_key(target.as_str()) || directories.contains(&target)
}
