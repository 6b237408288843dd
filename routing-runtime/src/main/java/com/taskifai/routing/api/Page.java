package com.taskifai.routing.api;

import java.util.List;

/** A page of results with what it takes to ask for the next one. */
record Page<T>(List<T> items, int limit, int offset, long total) {
  static final int MAX_LIMIT = 500;

  static int limit(Integer limit) {
    if (limit == null) {
      return 50;
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ApiException.badRequest("limit must be between 1 and " + MAX_LIMIT);
    }
    return limit;
  }

  static int offset(Integer offset) {
    if (offset == null) {
      return 0;
    }
    if (offset < 0) {
      throw ApiException.badRequest("offset must be 0 or more");
    }
    return offset;
  }
}
