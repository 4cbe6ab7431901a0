"""dlsei-pipeline: seat utilisation for HEC DLSEI Coursera licences."""
