#pragma once

#include "Health.h"

#include <QAbstractTableModel>

namespace streamscope {

// All findings of a snapshot, critical first. The message column holds the whole text; the
// Findings view shows it whole, word-wrapped, in its details pane.
class FindingsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { SeverityColumn, KindColumn, WhereColumn, MessageColumn, ColumnCount };
    using QAbstractTableModel::QAbstractTableModel;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    void setFindings(FindingList findings);
    const Finding &finding(int row) const { return m_findings.at(row); }
    const FindingList &findings() const { return m_findings; }
    // Not current (the server does not answer, or the connection is being replaced): every
    // cell is greyed, severities included, so nothing reads as live.
    void setCurrent(bool current);
    bool isCurrent() const { return m_current; }

private:
    FindingList m_findings;
    bool m_current = true;
};

} // namespace streamscope
