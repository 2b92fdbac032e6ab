#pragma once

#include "Error.h"
#include "Stores.h"

#include <QJsonObject>
#include <QStringList>

namespace streamscope::shop {

// Checks a POST /orders body. Returns the order to store, or the 400 message.
Result<Order> orderFromJson(const QByteArray &body);

int runOrderService(const QStringList &args);

} // namespace streamscope::shop
