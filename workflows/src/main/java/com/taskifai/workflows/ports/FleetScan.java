package com.taskifai.workflows.ports;

import java.util.List;

/**
 * What one look at the fleet found.
 *
 * @param orphans what the registry does not account for
 * @param problems servers or providers that could not be read (the scan goes on without them)
 */
public record FleetScan(List<Orphan> orphans, List<String> problems) {}
