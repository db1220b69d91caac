//! Files made from the document model (`domain::briefing::Document`) for people to
//! open outside Groundswell.

pub mod docx;
pub mod pdf;
pub mod tables;
