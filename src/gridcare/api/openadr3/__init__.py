"""OpenADR 3.0.1 VTN for enrolled customers' energy-management systems (VENs), under /openadr3/3.0.1/."""
