package com.taskifai.workflows.ports;

/** A DNS record as created: fully qualified name, type (A, AAAA or CNAME), value and TTL. */
public record DnsRecord(String name, String type, String value, long ttlSeconds) {}
