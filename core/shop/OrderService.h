#pragma once

#include "Error.h"
#include "Stores.h"

#include <QJsonObject>
#include <QStringList>

namespace streamscope::shop {

// What one HTTP request may cost the order service.
struct HttpLimits {
    qint64 maxBodyBytes = 1 << 20;
    int maxHeaderBytes = 16 * 1024;
    int requestTimeoutMs = 10000; // from its first byte to its last
};

// Checks a POST /orders body: items are objects with a non-empty string sku and a whole qty > 0.
// Returns the order to store, or the 400 message.
Result<Order> orderFromJson(const QByteArray &body);

int runOrderService(const QStringList &args);

} // namespace streamscope::shop
