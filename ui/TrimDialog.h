#pragma once

#include "Trim.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace streamscope {

class GroupActions;

// XTRIM with a preview: before anything is removed it shows how many entries would go and, in
// the palette's critical colour, which consumer groups would lose entries they have not been
// delivered yet. The dialog grows to show the whole preview when it arrives.
class TrimDialog : public QDialog {
    Q_OBJECT
public:
    TrimDialog(GroupActions *requests, QByteArray stream, bool readOnly, QWidget *parent = nullptr);

    // Checks the form; nothing is sent when it is wrong (the reason is shown).
    std::optional<TrimSpec> spec();
    void preview();
    void trim();
    QString previewText() const;
    QString errorText() const;
    bool canTrim() const;
    // Enables or disables Trim in place (a preview already shown stays).
    void setReadOnly(bool readOnly);
    QLabel *previewLabel() const { return m_preview; }
    QLineEdit *valueEdit() const { return m_value; }
    QComboBox *modeBox() const { return m_mode; }
    QCheckBox *approximateBox() const { return m_approximate; }
    // Asks before trimming; by default a dialog whose button is named for the action ("Trim 70
    // entries"). Tests replace it.
    std::function<bool(const QString &)> confirm;

Q_SIGNALS:
    void trimmed(bool ok, const QString &message);

private:
    void updateTrimButton();
    void fitToContents();

    GroupActions *m_requests;
    QByteArray m_stream;
    bool m_readOnly;
    int m_request = 0;
    std::optional<TrimSpec> m_previewed;
    std::optional<TrimPreview> m_shownPreview; // the answer to the current preview
    bool m_busy = false;                       // a trim is under way
    QComboBox *m_mode;
    QLineEdit *m_value;
    QCheckBox *m_approximate;
    QLabel *m_preview;
    QLabel *m_error;
    QPushButton *m_trim;
};

} // namespace streamscope
