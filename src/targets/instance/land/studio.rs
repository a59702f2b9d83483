//! Writing the design-studio assets a program brings (images and files,
//! email and landing-page templates, global forms): created in a folder
//! of their kind, or their content replaced (`overwrite`, the previous
//! content kept first); and finding what the run wrote, for the programs
//! that use it.

use super::*;

impl Writer<'_, '_> {
    /// Where new design-studio assets of a kind go: beside one of that
    /// kind, else a folder of a usual name.
    pub(super) fn design_folder(&mut self, kind: DesignKind) -> Result<FolderRef, Stop> {
        if let Some(f) = self.run.index.design_folders.get(&kind) {
            return Ok(*f);
        }
        // Held while looking, so that a kind is looked up once a run.
        let mut folders = lock(&self.run.folders);
        if let Some(f) = folders.get(&kind) {
            return Ok(*f);
        }
        self.go_on()?;
        for name in folder_names(kind) {
            let found = api::folders_by_name(self.run.client, name)
                .map_err(|e| refused(&format!("looking for the folder \"{name}\""), e))?;
            let folder = found
                .items
                .iter()
                .filter(|f| self.run.index.root.is_none_or(|root| f.as_ref() != root))
                .map(api::Folder::as_ref)
                .next();
            if let Some(folder) = folder {
                folders.insert(kind, folder);
                return Ok(folder);
            }
        }
        Err(Stop::refused(format!(
            "the instance has no {} yet and no Design Studio folder named {} to put one in; create one of those folders",
            kind.noun(),
            folder_names(kind)
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(" or ")
        )))
    }

    /// The lead fields' API names for field names of the target.
    pub(super) fn api_names(&self, fields: &[String]) -> Vec<String> {
        let declared = self.run.state.meta.fields.as_deref().unwrap_or_default();
        fields.iter().map(|f| api_name(declared, f)).collect()
    }

    /// A form (local or global) with exactly its fields, in order, and
    /// approved unless it is a draft.
    pub(super) fn form(
        &mut self,
        kind: RemoteKind,
        name: &str,
        folder: FolderRef,
        fields: &[String],
        status: Option<&Approval>,
    ) -> Result<u64, Stop> {
        let created = self.create(kind, name, Some(folder), |c| {
            write::create_form(c, name, folder)
        })?;
        // A new form starts with Marketo's three default fields.
        let had: Vec<String> = write::DEFAULT_FORM_FIELDS
            .iter()
            .map(|f| f.to_string())
            .collect();
        let wanted = self.api_names(fields);
        let what = format!("writing the fields of form \"{name}\"");
        let approve = status != Some(&Approval::Draft);
        match super::super::takeback::set_form_fields(
            self.run.client,
            created.id,
            &had,
            &wanted,
            approve,
        ) {
            Ok(Some(approved)) => self.stamp_last(&approved.updated_at),
            Ok(None) => {}
            Err(e) if e.uncertain && e.code() == Some("709") => {}
            Err(e) => return Err(refused(&what, e)),
        }
        Ok(created.id)
    }

    /// Write a design-studio asset several programs share (the first
    /// phase of a run).
    pub fn shared_asset(&mut self, asset: &AssetWrite) -> Result<(), Stop> {
        self.design_asset(asset)
    }

    pub(super) fn design_asset(&mut self, asset: &AssetWrite) -> Result<(), Stop> {
        let mine = self.wrote(asset.kind, &asset.name);
        let theirs = self.run.index.asset(asset.kind, &asset.name).map(|a| a.id);
        match (mine, theirs) {
            (Some((id, before)), _) => self.replace(asset, id, Before::Written(before)),
            (None, Some(id)) => self.replace(asset, id, Before::Snapshot),
            (None, None) => self.create_design(asset),
        }
    }

    fn create_design(&mut self, asset: &AssetWrite) -> Result<(), Stop> {
        let folder = self.design_folder(asset.kind)?;
        let name = asset.name.clone();
        let kind = remote_kind(asset.kind);
        let id = match (&asset.content, asset.kind) {
            (AssetContent::Image { bytes, .. }, _) => {
                self.create(kind, &name, Some(folder), |c| {
                    write::create_file(c, &name, folder, bytes)
                })?
                .id
            }
            (AssetContent::Doc(doc), DesignKind::EmailTemplate) => {
                let html = doc_html(&doc.doc);
                let created = self.create(kind, &name, Some(folder), |c| {
                    write::create_template(c, TemplateKind::Email, &name, folder, &html)
                })?;
                self.approve_template(TemplateKind::Email, created.id, &name)?;
                created.id
            }
            (AssetContent::Doc(doc), DesignKind::LandingPageTemplate) => {
                let html = doc_html(&doc.doc);
                let created = self.create(kind, &name, Some(folder), |c| {
                    write::create_template(c, TemplateKind::LandingPage, &name, folder, "")
                })?;
                let what = format!("writing the content of landing page template \"{name}\"");
                self.then(&what, |c| {
                    write::update_template_content(c, TemplateKind::LandingPage, created.id, &html)
                })?;
                self.approve_template(TemplateKind::LandingPage, created.id, &name)?;
                created.id
            }
            (AssetContent::Doc(doc), DesignKind::Form) => {
                self.form(kind, &name, folder, &doc.fields(), None)?
            }
            (AssetContent::Doc(_), _) => {
                return Err(Stop::refused(format!(
                    "{} \"{name}\" cannot be written through the API",
                    asset.kind.noun()
                )))
            }
        };
        self.remember(asset, id);
        Ok(())
    }

    fn approve_template(&mut self, kind: TemplateKind, id: u64, name: &str) -> Result<(), Stop> {
        self.approve(kind.into(), id, &format!("template \"{name}\""))
    }

    /// Replace an asset's content (`overwrite`), keeping what it held.
    fn replace(&mut self, asset: &AssetWrite, id: u64, before: Before) -> Result<(), Stop> {
        let kind = remote_kind(asset.kind);
        let name = asset.name.clone();
        let previous = match before {
            Before::Written(content) => Some(self.content_bytes(asset.kind, &content)),
            Before::Snapshot => self.snapshot_content(asset.kind, &name),
        };
        let mut record = self.record(kind, id, &name);
        record.action = RemoteAction::Replace;
        if let Some(bytes) = &previous {
            let rel = pre_image_rel(self.run.import_id, &record);
            let path = self.run.state_dir.join(&rel);
            crate::fsutil::write_atomic_in_new_dir(&path, bytes).map_err(|e| {
                anyhow::anyhow!(e).context(format!("cannot keep {}", path.display()))
            })?;
            record.before = Some(rel);
        }
        self.journal(&Event::Done {
            record: record.clone(),
            program: self.slot(),
            users: self.users.clone(),
        })?;
        self.done.push(record);
        let what = format!("replacing the content of {} \"{name}\"", asset.kind.noun());
        match (&asset.content, asset.kind) {
            (AssetContent::Image { bytes, .. }, _) => {
                if let Some(answer) =
                    self.then(&what, |c| write::update_file_content(c, id, &name, bytes))?
                {
                    self.stamp_last(&answer.updated_at);
                }
            }
            (
                AssetContent::Doc(doc),
                DesignKind::EmailTemplate | DesignKind::LandingPageTemplate,
            ) => {
                let template = if asset.kind == DesignKind::EmailTemplate {
                    TemplateKind::Email
                } else {
                    TemplateKind::LandingPage
                };
                let html = doc_html(&doc.doc);
                // New content, perhaps other sections.
                lock(&self.run.sections).remove(&id);
                self.then(&what, |c| {
                    write::update_template_content(c, template, id, &html)
                })?;
                self.approve_template(template, id, &name)?;
            }
            (AssetContent::Doc(doc), DesignKind::Form) => {
                let wanted = self.api_names(&doc.fields());
                let had: Vec<String> = previous
                    .as_deref()
                    .and_then(|b| serde_json::from_slice::<Vec<String>>(b).ok())
                    .unwrap_or_default();
                match super::super::takeback::set_form_fields(
                    self.run.client,
                    id,
                    &had,
                    &wanted,
                    true,
                ) {
                    Ok(Some(approved)) => self.stamp_last(&approved.updated_at),
                    Ok(None) => {}
                    Err(e) => return Err(refused(&what, e)),
                }
            }
            (AssetContent::Doc(_), _) => {
                return Err(Stop::refused(format!(
                    "{} \"{name}\" cannot be written through the API",
                    asset.kind.noun()
                )))
            }
        }
        (self.run.tick)(
            self.lane,
            &self.program,
            &format!("{kind} \"{name}\" (id {id}) replaced"),
        );
        self.remember(asset, id);
        Ok(())
    }

    /// A document as the instance holds it, the way a restore puts it
    /// back: a form's fields' API names (as JSON), a template's HTML.
    fn doc_bytes(&self, kind: DesignKind, doc: &DesignDoc) -> Vec<u8> {
        match kind {
            DesignKind::Form => {
                serde_json::to_vec(&self.api_names(&doc.fields())).unwrap_or_default()
            }
            _ => doc_html(&doc.doc).into_bytes(),
        }
    }

    /// An asset's content as kept for a restore: an image's bytes, else
    /// [`Writer::doc_bytes`].
    fn content_bytes(&self, kind: DesignKind, content: &AssetContent) -> Vec<u8> {
        match content {
            AssetContent::Image { bytes, .. } => bytes.as_ref().clone(),
            AssetContent::Doc(doc) => self.doc_bytes(kind, doc),
        }
    }

    /// What the snapshot holds of an asset, as [`Writer::content_bytes`]
    /// gives it: read from the snapshot's file (a run keeps the target's
    /// names, not its documents, once planned).
    fn snapshot_content(&self, kind: DesignKind, name: &str) -> Option<Vec<u8>> {
        let stored = self.run.state.find_asset(kind, name)?;
        let path = self
            .run
            .state
            .root
            .join("design-studio")
            .join(kind.dir())
            .join(&stored.file);
        let bytes = std::fs::read(path).ok()?;
        if kind == DesignKind::Image {
            return Some(bytes);
        }
        let doc = DesignDoc {
            name: stored.name.clone(),
            doc: serde_json::from_slice(&bytes).ok()?,
        };
        Some(self.doc_bytes(kind, &doc))
    }

    /// A design-studio asset this run wrote: its id and what it wrote.
    pub(super) fn wrote(&self, kind: DesignKind, name: &str) -> Option<(u64, AssetContent)> {
        self.written
            .get(&(kind, key(name)))
            .cloned()
            .or_else(|| self.run.shared(kind, name))
    }

    /// Keep what was written, for the programs that use it.
    pub(super) fn remember(&mut self, asset: &AssetWrite, id: u64) {
        let entry = ((asset.kind, key(&asset.name)), (id, asset.content.clone()));
        match self.slot() {
            Some(_) => {
                self.written.insert(entry.0, entry.1);
            }
            None => {
                self.run
                    .shared
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(entry.0, entry.1);
            }
        }
    }

    pub(super) fn template_id(&self, kind: DesignKind, name: &str) -> Result<u64, Stop> {
        self.wrote(kind, name)
            .map(|(id, _)| id)
            .or_else(|| self.run.index.asset(kind, name).map(|a| a.id))
            .ok_or_else(|| {
                Stop::refused(format!(
                    "the {} \"{name}\" is not in the instance",
                    kind.noun()
                ))
            })
    }

    pub(super) fn snippet_id(&self, name: &str) -> Result<u64, Stop> {
        self.run
            .index
            .asset(DesignKind::Snippet, name)
            .map(|a| a.id)
            .ok_or_else(|| Stop::refused(format!("the snippet \"{name}\" is not in the instance")))
    }
}

/// What an asset held before a replace.
enum Before {
    /// This run wrote it earlier: what it wrote.
    Written(AssetContent),
    /// The instance's, as the snapshot holds it.
    Snapshot,
}

/// A design document's HTML.
fn doc_html(doc: &serde_json::Value) -> String {
    doc.get("html")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string()
}
