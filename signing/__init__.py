"""Signing and verification: XML-DSig on edXML envelopes, PAdES checks on PDF
attachments, trust store, key sources. Implements node.ports.driven.Signer/Verifier;
imports the node core, never adapters."""
