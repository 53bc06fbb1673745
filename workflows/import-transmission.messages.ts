export function importTransmissionWorkflowId(importId: string): string {
  return `import-${importId}`;
}
