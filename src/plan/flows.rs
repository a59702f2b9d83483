//! More of the smart list and flow (spec section 8): self-service flow
//! steps and their mappings, custom activities, CRM flow steps, and the
//! lists and programs a campaign names outside its program.

use std::collections::BTreeMap;

use super::program::{quote_list, Planner};
use super::*;
use crate::model::{Campaign, Crm};
use crate::names::{self, key};

/// Flow steps that need a CRM, whichever it is.
const ANY_CRM_STEPS: [&str; 2] = ["Convert Person", "Create Task"];

/// What CRM a flow step needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum NeedsCrm {
    Salesforce,
    Dynamics,
    Any,
}

impl NeedsCrm {
    /// A step whose name holds "SFDC" or "Salesforce" needs Salesforce; one
    /// holding "Microsoft" or "Dynamics" needs Dynamics (both compared
    /// ignoring case); "Convert Person" and "Create Task" (by the name
    /// rule) need a CRM; any other step none.
    fn of(step: &str) -> Option<NeedsCrm> {
        let lower = step.to_lowercase();
        if lower.contains("sfdc") || lower.contains("salesforce") {
            Some(NeedsCrm::Salesforce)
        } else if lower.contains("microsoft") || lower.contains("dynamics") {
            Some(NeedsCrm::Dynamics)
        } else if ANY_CRM_STEPS.iter().any(|s| names::same(s, step)) {
            Some(NeedsCrm::Any)
        } else {
            None
        }
    }

    fn met_by(self, crm: Option<&Crm>) -> bool {
        match (self, crm) {
            (NeedsCrm::Salesforce, Some(Crm::Salesforce)) => true,
            (NeedsCrm::Dynamics, Some(Crm::Dynamics)) => true,
            (NeedsCrm::Any, Some(_)) => true,
            (NeedsCrm::Salesforce | NeedsCrm::Dynamics | NeedsCrm::Any, _) => false,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            NeedsCrm::Salesforce => "a Salesforce CRM (crm \"salesforce\")",
            NeedsCrm::Dynamics => "a Microsoft Dynamics CRM (crm \"dynamics\")",
            NeedsCrm::Any => "a CRM (crm \"salesforce\" or \"dynamics\")",
        }
    }
}

/// Names used by the campaigns of one program, each once (by key), in the
/// order first met, with the campaigns using it.
#[derive(Default)]
struct Uses {
    order: Vec<(String, Vec<String>)>,
    index: BTreeMap<String, usize>,
}

impl Uses {
    fn add(&mut self, name: &str, campaign: &str) {
        let i = *self.index.entry(key(name)).or_insert_with(|| {
            self.order.push((name.to_string(), Vec::new()));
            self.order.len() - 1
        });
        let campaigns = &mut self.order[i].1;
        if !campaigns.iter().any(|c| c == campaign) {
            campaigns.push(campaign.to_string());
        }
    }

    fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// "smart campaign \"A\"" or "smart campaigns \"A\", \"B\"".
fn campaigns_phrase(campaigns: &[String]) -> String {
    let s = if campaigns.len() == 1 { "" } else { "s" };
    format!("smart campaign{s} {}", quote_list(campaigns))
}

impl Planner<'_> {
    /// The checks of section 8 on the campaigns as they land, which it
    /// rewrites: a mapped service to its target, a list, program or
    /// service the target has to the target's spelling, the program
    /// itself to its name in the target (`imported_as`).
    pub(super) fn plan_flows(&mut self, campaigns: &mut [Campaign], imported_as: &str) {
        self.plan_services(campaigns);
        self.check_custom_activities(campaigns);
        self.check_crm_steps(campaigns);
        self.check_outside(campaigns, imported_as);
    }

    /// Self-service flow steps: mapped (`--map-service`, a rules file's
    /// `services`: a `remap` row per mapped step), then looked up in the
    /// target's `services` (`missing-service`).
    fn plan_services(&mut self, campaigns: &mut [Campaign]) {
        let mut used = Uses::default();
        // The steps as they land, and what each mapped one was.
        let mut landed = Uses::default();
        let mut mapped_from: BTreeMap<String, String> = BTreeMap::new();
        for campaign in campaigns.iter_mut() {
            let Some(services) = campaign.services.as_mut() else {
                continue;
            };
            for service in services.iter_mut() {
                used.add(service, &campaign.name);
                if let Some(to) = self.options.services.get(service) {
                    mapped_from
                        .entry(key(to))
                        .or_insert_with(|| service.clone());
                    *service = to.to_string();
                }
                landed.add(service, &campaign.name);
            }
        }
        for (from, _) in &used.order {
            if let Some(to) = self.options.services.get(from) {
                let to = to.to_string();
                self.row(
                    AssetKind::Service,
                    from,
                    Action::Remap,
                    &to,
                    "self-service flow step mapped to one of the target (--map-service or the rules file's \"services\")",
                );
            }
        }
        if landed.is_empty() {
            return;
        }
        let Some(known) = &self.world.declared.services else {
            self.unchecked.insert(Undeclared::Services);
            return;
        };
        let mut spelled: BTreeMap<String, String> = BTreeMap::new();
        let mut problems = Vec::new();
        for (service, users) in &landed.order {
            match known.get(&key(service)) {
                Some(theirs) => {
                    spelled.insert(key(service), theirs.clone());
                }
                None => {
                    let message = match mapped_from.get(&key(service)) {
                        Some(from) => format!(
                            "self-service flow step \"{service}\" (mapped from \"{from}\"), used by {}, does not exist in the target",
                            campaigns_phrase(users)
                        ),
                        None => format!(
                            "self-service flow step \"{service}\", used by {}, does not exist in the target; map it to one of the target with --map-service \"{service}=Provider/Step\"",
                            campaigns_phrase(users)
                        ),
                    };
                    problems.push(Problem::error(Code::MissingService, message));
                }
            }
        }
        self.problems.extend(problems);
        for campaign in campaigns.iter_mut() {
            for service in campaign.services.iter_mut().flatten() {
                if let Some(theirs) = spelled.get(&key(service)) {
                    *service = theirs.clone();
                }
            }
        }
    }

    fn check_custom_activities(&mut self, campaigns: &[Campaign]) {
        let wanted: Vec<String> = campaigns
            .iter()
            .flat_map(|c| c.custom_activities())
            .cloned()
            .collect();
        let declared = self.world.declared.custom_activities.as_ref();
        self.check_declared(
            wanted,
            declared,
            Undeclared::CustomActivities,
            Code::MissingCustomActivity,
            "custom activity",
        );
    }

    /// Flow steps that need a CRM, checked when the target declares `crm`.
    fn check_crm_steps(&mut self, campaigns: &[Campaign]) {
        let mut steps = Uses::default();
        for campaign in campaigns {
            for step in campaign.flow_steps() {
                if NeedsCrm::of(step).is_some() {
                    steps.add(step, &campaign.name);
                }
            }
        }
        if steps.is_empty() {
            return;
        }
        let Some(crm) = &self.world.declared.crm else {
            self.unchecked.insert(Undeclared::Crm);
            return;
        };
        let has = match crm {
            Some(crm) => format!("the target's crm is \"{crm}\""),
            None => "the target has no CRM (crm null)".to_string(),
        };
        let mut problems = Vec::new();
        for (step, users) in &steps.order {
            let Some(needs) = NeedsCrm::of(step) else {
                continue;
            };
            if !needs.met_by(crm.as_ref()) {
                problems.push(Problem::error(
                    Code::CrmFlowStep,
                    format!(
                        "flow step \"{step}\" of {} needs {}; {has}",
                        campaigns_phrase(users),
                        needs.describe()
                    ),
                ));
            }
        }
        self.problems.extend(problems);
    }

    /// Lists and programs outside the program: a warning for each one the
    /// target lacks (once per name), the others spelled as the target
    /// spells them.
    fn check_outside(&mut self, campaigns: &mut [Campaign], imported_as: &str) {
        let own = key(&self.program().program.name);
        let mut lists = Uses::default();
        let mut programs = Uses::default();
        for campaign in campaigns.iter() {
            for list in campaign.lists() {
                lists.add(list, &campaign.name);
            }
            for program in campaign.programs() {
                if key(program) != own {
                    programs.add(program, &campaign.name);
                }
            }
        }
        let mut warnings = Vec::new();
        let mut list_names: BTreeMap<String, String> = BTreeMap::new();
        if !lists.is_empty() {
            match &self.world.declared.lists {
                None => {
                    self.unchecked.insert(Undeclared::Lists);
                }
                Some(known) => {
                    for (list, users) in &lists.order {
                        match known.get(&key(list)) {
                            Some(theirs) => {
                                list_names.insert(key(list), theirs.clone());
                            }
                            None => warnings.push(format!(
                                "{} name{} the list \"{list}\", which the target lacks: the imported smart list would point at nothing",
                                campaigns_phrase(users),
                                if users.len() == 1 { "s" } else { "" }
                            )),
                        }
                    }
                }
            }
        }
        let mut program_names: BTreeMap<String, String> = BTreeMap::new();
        program_names.insert(own.clone(), imported_as.to_string());
        for (program, users) in &programs.order {
            match self.world.programs.get(&key(program)) {
                Some(theirs) => {
                    program_names.insert(key(program), theirs.clone());
                }
                None => warnings.push(format!(
                    "{} name{} the program \"{program}\", which the target lacks: the imported smart list would point at nothing",
                    campaigns_phrase(users),
                    if users.len() == 1 { "s" } else { "" }
                )),
            }
        }
        for message in warnings {
            self.warning(Code::OutsideReference, message);
        }
        for campaign in campaigns.iter_mut() {
            for list in campaign.lists.iter_mut().flatten() {
                if let Some(theirs) = list_names.get(&key(list)) {
                    *list = theirs.clone();
                }
            }
            for program in campaign.programs.iter_mut().flatten() {
                if let Some(theirs) = program_names.get(&key(program)) {
                    *program = theirs.clone();
                }
            }
        }
    }
}
